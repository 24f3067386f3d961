"""One blueprint per area of the web app; :func:`api.app.create_app` registers :data:`BLUEPRINTS`.

Every view declares its permission with :func:`api.auth.requires` (or ``public`` /
``authenticated``); a view that declares nothing is refused for everyone. The pages
add their blueprints to this list.
"""

from __future__ import annotations

from flask import Blueprint

from api.blueprints import (
    audit,
    auth,
    challenge_api,
    demands,
    docs,
    entities,
    graph,
    health,
    pages,
    pages_challenges,
    pages_demands,
    pages_graph,
    pages_intake,
    pages_reports,
    pages_services,
    pages_stats,
    pages_workflow,
    recommendations,
    reports_api,
    stats,
    workflow_api,
)

__all__ = ["BLUEPRINTS"]

BLUEPRINTS: list[Blueprint] = [health.bp, auth.bp, demands.bp, recommendations.bp, entities.bp, graph.bp,
                               stats.bp, audit.bp, docs.bp, pages.bp, pages_intake.bp, pages_demands.bp,
                               pages_graph.bp, pages_stats.bp, pages_services.bp]
BLUEPRINTS += [workflow_api.bp, challenge_api.bp, challenge_api.services_bp, challenge_api.vouchers_bp]
BLUEPRINTS += [pages_workflow.bp, pages_challenges.bp]
BLUEPRINTS += [reports_api.bp, pages_reports.bp]
