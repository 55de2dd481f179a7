"""Labelled corpora: the synthetic letter generator (`synth`), the items table of a labelled
corpus (`table`), splits by letter (`splits`), the rule labeller of denial reasons (`rules`)
and weak labels for unlabelled letters (`weak_labels`)."""
