"""Operating the flows: the live flow store, versions, checks, the menu graph, the simulator, the fallback export."""
