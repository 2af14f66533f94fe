"""Layers and models, like torch.nn."""
