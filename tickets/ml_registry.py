"""Which trained model is active (filled in by the model registry)."""


def active_model():
    return None
