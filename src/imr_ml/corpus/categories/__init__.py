"""Treatment category and drug class of a disputed item, by rules as data (`lexicon.json`)."""
