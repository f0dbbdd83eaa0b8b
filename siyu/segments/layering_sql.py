"""Portable SQL for layering: plain CTEs, window functions and CASE, no date arithmetic
(cut-off moments are parameters), so the same text runs on SQLite, PostgreSQL and DuckDB
and ports to ClickHouse. ``{orders}``/``{customers}`` are table names; ``{scope}`` is an
optional ``AND o.paid_at < %s AND c.id IN (…)`` clause (the as-of moment, the viewer's
scope).

Each query comes in two forms (``ORDERS`` and ``FACTS``): buyers aggregated from the
orders (any as-of moment; the reference), or read from the per-customer order facts
(siyu/segments/facts.py; "now" only, one row per buyer instead of a pass over every order).

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
FACT_BUYERS = """
SELECT f.customer_id AS customer_id, f.last_paid_at AS last_paid, f.first_paid_at AS first_paid,
       f.orders AS frequency, f.net_fen AS monetary, f.prev_paid_at AS prev_paid
FROM {facts} f JOIN {customers} c ON c.id = f.customer_id
WHERE c.status = 'active' {scope}
"""
# The buyer's latest order before the last one.
PREVIOUS_FROM_ORDERS = """(
           SELECT MAX(p.paid_at) FROM {orders} p
           WHERE p.customer_id = b.customer_id AND p.paid_at < b.last_paid)"""


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


def build(buyers: str, previous: str) -> dict[str, str]:
    """Every layering query over one way of finding the buyers."""
    # Ties share a cumulative distribution, so equal customers always get equal scores.
    rfm_quintile = f"""
WITH buyers AS ({buyers}),
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
    rfm_fixed = f"""
WITH buyers AS ({buyers})
SELECT customer_id, last_paid, frequency, monetary,
       {_bands("last_paid", 4, ">=")} AS r,
       {_bands("frequency", 4, ">=")} AS f,
       {_bands("monetary", 4, ">=")} AS m
FROM buyers
"""
    # "Won back": bought recently after a silence longer than the churn threshold.
    matrix = f"""
WITH buyers AS ({buyers}),
staged AS (
  SELECT b.customer_id, b.monetary,
    CASE WHEN b.monetary >= %s THEN 'high' WHEN b.monetary >= %s THEN 'medium' ELSE 'low' END
      AS value_tier,
    CASE WHEN b.first_paid >= %s THEN 'new'
         WHEN b.last_paid >= %s AND {previous} < %s THEN 'won_back'
         WHEN b.last_paid >= %s THEN 'active'
         WHEN b.last_paid >= %s THEN 'at_risk'
         ELSE 'churned' END AS stage
  FROM buyers b)
"""
    ranked = f"""
WITH buyers AS ({buyers}),
ranked AS (
  SELECT ROW_NUMBER() OVER (ORDER BY monetary DESC, customer_id) AS rn,
         SUM(monetary) OVER (ORDER BY monetary DESC, customer_id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
  FROM buyers)
"""
    return {
        "rfm_quintile": rfm_quintile,
        "rfm_fixed": rfm_fixed,
        "matrix_summary": matrix
        + """
SELECT value_tier, stage, COUNT(*) AS customers, SUM(monetary) AS monetary
FROM staged GROUP BY value_tier, stage
""",
        "matrix_rows": matrix + "SELECT customer_id, value_tier, stage, monetary FROM staged",
        "pareto_totals": f"SELECT COUNT(*), COALESCE(SUM(monetary), 0) FROM ({buyers}) buyers",
        "pareto_points": ranked + "SELECT rn, cum FROM ranked WHERE rn IN ({ranks}) ORDER BY rn",
        # Fewest top customers whose spend reaches the share (num/den, exact in integers).
        "pareto_reach": ranked + "SELECT MIN(rn) FROM ranked WHERE cum * %s >= %s",
    }


LAYER_SUMMARY = """
SELECT CASE WHEN r >= {high} THEN 1 ELSE 0 END AS rh,
       CASE WHEN f >= {high} THEN 1 ELSE 0 END AS fh,
       CASE WHEN m >= {high} THEN 1 ELSE 0 END AS mh, COUNT(*) AS customers, SUM(monetary) AS monetary
FROM ({rfm}) scored
GROUP BY 1, 2, 3
"""
ORDERS = build(BUYERS, PREVIOUS_FROM_ORDERS)
FACTS = build(FACT_BUYERS, "b.prev_paid")
