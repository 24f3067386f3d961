"""Read-only over the graph: candidates, scoring, teams, explanations, evaluation."""
