"""Importing existing spreadsheets of cases: all rows or none.

Domains describe their imports (`tracker.imports.spec.ImportSpec`) and register them through
`tracker.domains.Domain.imports`; the shell reads uploads safely (`upload`), checks every row
(`checking`), keeps an upload between preview and confirmation (`pending`), saves all rows in
one transaction (`run`), and builds each import's template (`template`).
"""
