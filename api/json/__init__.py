"""The JSON API under ``/api/v1``, one blueprint per area; :func:`api.app.create_app` registers :data:`BLUEPRINTS`.

Every view declares its permission with :func:`api.auth.requires` (or ``public`` /
``authenticated``); a view that declares nothing is refused for everyone. The pages
have their own list (:mod:`api.pages`); neither room imports the other.
"""

from __future__ import annotations

from flask import Blueprint

from api.json import (
    activities,
    audit,
    challenges,
    demands,
    docs,
    entities,
    graph,
    health,
    lists,
    recommendations,
    reports,
    stats,
    workflow,
)

__all__ = ["BLUEPRINTS"]

BLUEPRINTS: list[Blueprint] = [health.bp, demands.bp, recommendations.bp, entities.bp, graph.bp, stats.bp, audit.bp,
                               docs.bp]
BLUEPRINTS += [workflow.bp, challenges.bp, challenges.services_bp, challenges.vouchers_bp]
BLUEPRINTS += [reports.bp]
BLUEPRINTS += [activities.bp]  # activities and training (issue 16)
BLUEPRINTS += [lists.bp]  # activity and platform lists uploaded (issue 16)
