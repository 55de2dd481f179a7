"""The model: what it reads (`text`, `vectorizers`, `features`), `ImrClassifier` (`classifier`),
the letter context, saving and loading (`persistence`), explanations and metrics."""
