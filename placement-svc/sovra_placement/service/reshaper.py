"""The reshaper (microversion 1.30): move inventories and the allocations against
them between providers of a tree, atomically."""

from sovra_common.db import retry_on_deadlock
from sovra_placement.service import allocation as alloc_service
from sovra_placement.service import inventory as inv_service
from sovra_placement.service import resource_provider as rp_service


@retry_on_deadlock
def reshape(db, inventories: dict[str, tuple[int, dict]],
            allocations: list[alloc_service.ConsumerAllocations]) -> None:
    """``inventories``: {provider uuid: (generation, {class: full record})}: each
    provider's complete new inventory. ``allocations``: the consumers' new
    allocations. Either all of it happens or none."""
    with db.writer() as session:
        alloc_service.read_committed(session)  # its allocation writes need it too
        rps = [rp_service.load(session, uuid) for uuid in inventories]
        for rp in rps:
            generation, records = inventories[rp.uuid]
            inv_service.replace_in_session(session, rp, generation, records,
                                           check_in_use=False)
        alloc_service.apply(session, allocations)
        for rp in rps:
            inv_service.check_allocations_covered(session, rp)
