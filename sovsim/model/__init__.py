"""The model core: the world of one future and its processes. Knows nothing of sweeps, storage or plots."""
