"""Turn raw input into graph facts: readers, validation, the generic loader."""
