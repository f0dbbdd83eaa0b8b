"""Segments (rules → SQL, dynamic membership, snapshots) and user layering (RFM, value ×
lifecycle, Pareto)."""
