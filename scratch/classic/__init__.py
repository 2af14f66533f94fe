"""Classic estimators with scikit-learn's conventions."""
