"""WTForms classes, one module per area, plus shared validators."""
