"""Analytics: supply–demand roll-ups and the gap index, outcome reports (报送, 考核评价) and their
workbook, and small tables for notebooks — each once, read through the GraphStore contract.

Imports point down only: ``analytics -> recommend, workflow, ingest -> graph``; nothing below imports it.
"""

from analytics.supply_demand import (
    GAP_DEPTH,
    MATRIX_DEPTH,
    SupplyDemandData,
    busiest_field,
    demand_matrix,
    demands_by_field_and_province,
    experts_per_field,
    gap_rows,
    read_supply_demand,
    supply_demand_gap,
)
from analytics.tables import (
    Table,
    counts_table,
    demand_table,
    expert_table,
    explanation_paths,
    neighbors_table,
    path_table,
    properties_table,
    rows_table,
    sentence_table,
    team_table,
)

__all__ = [
    "GAP_DEPTH", "MATRIX_DEPTH", "SupplyDemandData", "busiest_field", "demand_matrix", "demands_by_field_and_province",
    "experts_per_field", "gap_rows", "read_supply_demand", "supply_demand_gap", "Table", "counts_table",
    "demand_table", "expert_table", "explanation_paths", "neighbors_table", "path_table", "properties_table",
    "rows_table", "sentence_table", "team_table",
]
