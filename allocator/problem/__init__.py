"""The frozen problem every later layer reads: data, variants, distances, eligibility."""
