"""Customer lifetime value with BG/NBD (purchase counts, dropout) and Gamma-Gamma (spend).

Implemented on scipy because lifetimes is unmaintained, btyd archived and pymc-marketing
needs Python 3.12; the CDNOW test pins the fits to the published parameters.
"""
