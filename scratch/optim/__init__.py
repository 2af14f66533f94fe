"""Optimizers, like torch.optim."""
