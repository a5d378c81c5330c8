"""The image service's policy rules (oslo.policy defaults, overridable per deployment)."""

from sovra_image.api.policies import (
    image,
    image_data,
    image_import,
    image_member,
    info,
    schema,
)


def list_rules():
    return [*image.RULES, *image_data.RULES, *image_import.RULES,
            *image_member.RULES, *info.RULES,
            *schema.RULES]
