"""Clustering: k-means (Lloyd's algorithm with k-means++ seeding)."""

from .kmeans import KMeans, kmeans_assign, kmeans_plusplus, squared_distances  # noqa: F401
