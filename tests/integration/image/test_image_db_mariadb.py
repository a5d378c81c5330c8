"""The image service's migrations on a real MariaDB match its models, and the
listing queries (coalesced sort keys, keyset pagination) run there too."""

from sovra_common.context import RequestContext
from sovra_common.db import Database, migration
from sovra_image import conf as image_conf
from sovra_image.db import DATABASE, models
from sovra_image.service import image as image_service


def test_migrations_match_models_and_listing_works(mariadb_server):
    db = Database.from_url(mariadb_server.url_for("sovra_image_it"))
    try:
        migration.check_models(db, DATABASE.migrations, models.Base.metadata)
        conf = image_conf.new_conf()
        conf(args=[], project="sovra-image", default_config_files=[])
        ctx = RequestContext(user_id="u", project_id="p", roles=["member", "reader"])
        for name in ("b", None, "a", "c"):
            image_service.create(db, conf, ctx, {"name": name, "tags": ["t"]})
        seen, marker = [], None
        while True:
            page, _ = image_service.list_images(db, conf, ctx, {"tag": ["t"]}, {},
                                                [("name", "asc")], 2, marker)
            if not page:
                break
            seen += [i.name for i in page]
            marker = page[-1].id
        assert seen == [None, "a", "b", "c"]
    finally:
        db.dispose()
