from example_svc.api.policies import widget


def list_rules():
    return [*widget.RULES]
