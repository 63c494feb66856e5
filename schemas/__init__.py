"""One module per dataset: a pandera DataFrameModel and a datavigil Suite (see README)."""
