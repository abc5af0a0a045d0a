"""Qt-free core of rootable: catalog, recipe, flattening, pipeline, writers and histograms."""
