"""Training: read a labelled corpus, fit the pipeline, evaluate it, write a model bundle."""
