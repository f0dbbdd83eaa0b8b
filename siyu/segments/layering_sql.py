"""Portable SQL for layering: plain CTEs, window functions and CASE, no date arithmetic
(cut-off moments are parameters), so the same text runs on SQLite, PostgreSQL and DuckDB
and ports to ClickHouse. ``{orders}``/``{customers}`` are table names; ``{scope}`` is an
optional ``AND o.paid_at < %s AND c.id IN (…)`` clause (the as-of moment, the viewer's
scope).

Only table names from model metadata, an ORM-compiled scope and validated integers are
put into the text; every value from a user is a query parameter.
"""

# ruff: noqa: S608

from __future__ import annotations

BUYERS = """
SELECT o.customer_id AS customer_id, MAX(o.paid_at) AS last_paid, MIN(o.paid_at) AS first_paid,
       COUNT(*) AS frequency, SUM(o.paid_fen - o.refunded_fen) AS monetary
FROM {orders} o JOIN {customers} c ON c.id = o.customer_id
WHERE c.status = 'active' {scope}
GROUP BY o.customer_id
"""


def _bands(column: str, placeholders: int, op: str) -> str:
    """CASE giving 1 + the number of boundaries reached (boundaries as parameters, the most
    demanding first)."""
    whens = " ".join(f"WHEN {column} {op} %s THEN {5 - i}" for i in range(placeholders))
    return f"CASE {whens} ELSE 1 END"


def _quintile(column: str) -> str:
    return (
        f"CASE WHEN {column} <= 0.2 THEN 1 WHEN {column} <= 0.4 THEN 2 "
        f"WHEN {column} <= 0.6 THEN 3 WHEN {column} <= 0.8 THEN 4 ELSE 5 END"
    )


# Ties share a cumulative distribution, so equal customers always get equal scores.
RFM_QUINTILE = f"""
WITH buyers AS ({BUYERS}),
dist AS (
  SELECT customer_id, last_paid, frequency, monetary,
         CUME_DIST() OVER (ORDER BY last_paid) AS r_cd,
         CUME_DIST() OVER (ORDER BY frequency) AS f_cd,
         CUME_DIST() OVER (ORDER BY monetary) AS m_cd
  FROM buyers)
SELECT customer_id, last_paid, frequency, monetary,
       {_quintile("r_cd")} AS r, {_quintile("f_cd")} AS f, {_quintile("m_cd")} AS m
FROM dist
"""

RFM_FIXED = f"""
WITH buyers AS ({BUYERS})
SELECT customer_id, last_paid, frequency, monetary,
       {_bands("last_paid", 4, ">=")} AS r,
       {_bands("frequency", 4, ">=")} AS f,
       {_bands("monetary", 4, ">=")} AS m
FROM buyers
"""

LAYER_SUMMARY = """
SELECT CASE WHEN r >= {high} THEN 1 ELSE 0 END AS rh,
       CASE WHEN f >= {high} THEN 1 ELSE 0 END AS fh,
       CASE WHEN m >= {high} THEN 1 ELSE 0 END AS mh, COUNT(*) AS customers, SUM(monetary) AS monetary
FROM ({rfm}) scored
GROUP BY 1, 2, 3
"""

# "Won back": bought recently after a silence longer than the churn threshold.
MATRIX = f"""
WITH buyers AS ({BUYERS}),
staged AS (
  SELECT b.customer_id, b.monetary,
    CASE WHEN b.monetary >= %s THEN 'high' WHEN b.monetary >= %s THEN 'medium' ELSE 'low' END
      AS value_tier,
    CASE WHEN b.first_paid >= %s THEN 'new'
         WHEN b.last_paid >= %s AND (
           SELECT MAX(p.paid_at) FROM {{orders}} p
           WHERE p.customer_id = b.customer_id AND p.paid_at < b.last_paid) < %s THEN 'won_back'
         WHEN b.last_paid >= %s THEN 'active'
         WHEN b.last_paid >= %s THEN 'at_risk'
         ELSE 'churned' END AS stage
  FROM buyers b)
"""
MATRIX_SUMMARY = (
    MATRIX
    + """
SELECT value_tier, stage, COUNT(*) AS customers, SUM(monetary) AS monetary
FROM staged GROUP BY value_tier, stage
"""
)
MATRIX_ROWS = MATRIX + "SELECT customer_id, value_tier, stage, monetary FROM staged"

PARETO_TOTALS = f"SELECT COUNT(*), COALESCE(SUM(monetary), 0) FROM ({BUYERS}) buyers"
PARETO_RANKED = f"""
WITH buyers AS ({BUYERS}),
ranked AS (
  SELECT ROW_NUMBER() OVER (ORDER BY monetary DESC, customer_id) AS rn,
         SUM(monetary) OVER (ORDER BY monetary DESC, customer_id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
  FROM buyers)
"""
PARETO_POINTS = PARETO_RANKED + "SELECT rn, cum FROM ranked WHERE rn IN ({ranks}) ORDER BY rn"
# Fewest top customers whose spend reaches the share (num/den, exact in integers).
PARETO_REACH = PARETO_RANKED + "SELECT MIN(rn) FROM ranked WHERE cum * %s >= %s"
