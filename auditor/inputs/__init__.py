"""Everything people write that the auditor reads: inventory (YAML, Form A/B spreadsheets), profile, waivers.

Every problem is located (`file:line: field: message`) and reported at once; invalid input yields nothing.
"""
