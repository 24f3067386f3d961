"""The Chinese web pages, one blueprint per area; :func:`api.app.create_app` registers :data:`BLUEPRINTS`.

Every view declares its permission with :func:`api.auth.requires` (or ``public`` /
``authenticated``). The pages never import the JSON API (:mod:`api.json`): what both need
lives in :mod:`api.validation` or in the domain packages.
"""

from __future__ import annotations

from flask import Blueprint

from api.pages import (
    activities,
    base,
    challenges,
    demands,
    graph,
    intake,
    lists,
    login,
    reports,
    services,
    stats,
    workflow,
)

__all__ = ["BLUEPRINTS"]

BLUEPRINTS: list[Blueprint] = [login.bp, base.bp, intake.bp, demands.bp, graph.bp, stats.bp, services.bp]
BLUEPRINTS += [workflow.bp, challenges.bp]
BLUEPRINTS += [reports.bp]
BLUEPRINTS += [activities.bp]  # activities and training (issue 16)
BLUEPRINTS += [lists.bp]  # activity and platform lists uploaded (issue 16)
