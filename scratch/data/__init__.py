"""Small built-in data sets, toy distributions and a batch iterator."""
