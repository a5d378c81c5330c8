"""The Image API v2 route table."""

from sovra_image.api.handlers import (
    image,
    image_data,
    image_import,
    image_member,
    image_tag,
    info,
    root,
    schema,
)

_IMAGE = "/v2/images/<image_id>"

ROUTES = {
    "/": {"GET": root.show_root},
    "/versions": {"GET": root.list_versions},
    "/v2/images": {"GET": image.list_images, "POST": image.create_image},
    _IMAGE: {"GET": image.show_image, "PATCH": image.update_image,
             "DELETE": image.delete_image},
    _IMAGE + "/actions/deactivate": {"POST": image.deactivate_image},
    _IMAGE + "/actions/reactivate": {"POST": image.reactivate_image},
    _IMAGE + "/file": {"PUT": image_data.upload_image_data,
                       "GET": image_data.download_image_data},
    _IMAGE + "/stage": {"PUT": image_import.stage_image_data},
    _IMAGE + "/import": {"POST": image_import.import_image},
    _IMAGE + "/tags/<tag>": {"PUT": image_tag.add_image_tag,
                             "DELETE": image_tag.delete_image_tag},
    _IMAGE + "/members": {"GET": image_member.list_image_members,
                          "POST": image_member.create_image_member},
    _IMAGE + "/members/<member_id>": {"GET": image_member.show_image_member,
                                      "PUT": image_member.update_image_member,
                                      "DELETE": image_member.delete_image_member},
    "/v2/schemas/image": {"GET": schema.show_image_schema},
    "/v2/schemas/images": {"GET": schema.show_images_schema},
    "/v2/schemas/member": {"GET": schema.show_member_schema},
    "/v2/schemas/members": {"GET": schema.show_members_schema},
    "/v2/info/stores": {"GET": info.list_stores},
    "/v2/info/import": {"GET": info.show_import_info},
}
