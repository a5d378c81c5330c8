from example_svc.api.handlers import root, widget

ROUTES = {
    "/": {"GET": root.show_versions},
    "/v1/widgets": {"GET": widget.list_widgets, "POST": widget.create_widget},
    "/v1/widgets/<widget_id>": {"GET": widget.show_widget, "DELETE": widget.delete_widget},
}
