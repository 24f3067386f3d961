"""Drawing the knowledge graph: pure data preparation (:mod:`render.drawing`: subgraph or explanation
paths → nodes, edges, styles), layouts (:mod:`render.layout`), and HTML (:mod:`render.figure`: the
vis-network payload built with pyvis, Jinja templates in ``render/templates/``, the script in the
app's ``static/js/kg-graph.js``). Offline, escaped and bounded; no Flask, no store.

Imports point down only: ``render -> recommend -> graph``; ``graph`` keeps the model and the stores.
"""

from render.drawing import (
    DEFAULT_AGGREGATE_OVER,
    DEFAULT_MAX_NODES,
    LABEL_STYLES,
    DrawEdge,
    Drawing,
    DrawNode,
    LabelStyle,
    explanation_graph,
    explanation_positions,
    node_key,
    prepare_subgraph,
)
from render.figure import (
    DEFAULT_CSS_URL,
    DEFAULT_SCRIPT_URL,
    INIT_SCRIPT,
    INIT_SCRIPT_CSP_HASH,
    SCRIPT_FILE,
    build_payload,
    render_drawing,
    render_explanation,
    render_page,
    render_subgraph,
    script_json,
)
from render.layout import layered_positions, layout_positions

__all__ = [
    "DEFAULT_SCRIPT_URL", "DEFAULT_CSS_URL", "DEFAULT_MAX_NODES", "DEFAULT_AGGREGATE_OVER", "INIT_SCRIPT",
    "INIT_SCRIPT_CSP_HASH", "SCRIPT_FILE", "LabelStyle", "LABEL_STYLES", "DrawNode", "DrawEdge", "Drawing",
    "node_key", "script_json", "prepare_subgraph", "explanation_graph", "explanation_positions",
    "layout_positions", "layered_positions", "build_payload", "render_drawing", "render_subgraph",
    "render_explanation", "render_page",
]
