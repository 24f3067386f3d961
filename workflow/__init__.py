"""Matchmaking workflows: pushes and the experts' inbox, 科技专员 dispatches and service records,
揭榜解题 challenges, 科技创新券 vouchers, feedback on recommendations, and the reports built on them.

Every step is a fact in the graph (labels in :data:`graph.model.WORKFLOW_LABELS`), written
through :meth:`graph.store.GraphStore.write` in one atomic batch; state changes are
guarded by the node's ``version`` (:class:`graph.store.Expect`), so two officers acting
at once can never both redeem the same voucher or move a challenge twice.

Imports point one way: ``api -> workflow -> graph``. ``workflow`` never imports ``api``,
``ingest`` or ``recommend``.
"""
