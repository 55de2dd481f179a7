"""Training runs: the configuration, the data, the run itself, evaluation, baselines, MLflow
tracking, ablation experiments and the plots they log."""
