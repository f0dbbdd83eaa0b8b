"""Analytics: GMV and its factors, channel economics, cohorts, CLV, incrementality, dashboards."""
