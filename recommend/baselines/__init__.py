"""Baselines the recommender is measured against, one per module."""
