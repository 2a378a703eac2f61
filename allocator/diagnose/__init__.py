"""Why: reasons for unplaced schools, objective shares, recommendations, conflicts."""
