"""Placement microversions, one comment each (the behaviour that changed)."""

from sovra_common.wsgi.microversion import Microversions

VERSIONS = [
    "1.0",   # providers, inventories, usages, allocations, resource classes (read)
    "1.1",   # provider aggregates (GET/PUT /resource_providers/{uuid}/aggregates)
    "1.2",   # custom resource classes: POST/PUT/DELETE /resource_classes
    "1.3",   # GET /resource_providers?member_of=in:<agg>,...
    "1.4",   # GET /resource_providers?resources=CLASS:N,...
    "1.5",   # DELETE /resource_providers/{uuid}/inventories (all of them)
    "1.6",   # traits: /traits and /resource_providers/{uuid}/traits
    "1.7",   # PUT /resource_classes/{name} creates (201) or confirms (204), no body
    "1.8",   # PUT /allocations/{consumer} requires project_id and user_id
    "1.9",   # GET /usages?project_id=&user_id=
    "1.10",  # GET /allocation_candidates
    "1.11",  # provider links include "allocations"
    "1.12",  # allocations as a dict keyed by provider (PUT, and candidates' requests);
             # GET /allocations/{consumer} shows project_id and user_id
    "1.13",  # POST /allocations: many consumers at once
    "1.14",  # nested providers: parent_provider_uuid, root_provider_uuid, ?in_tree=
    "1.15",  # Last-Modified and Cache-Control: no-cache on GETs
    "1.16",  # GET /allocation_candidates?limit=
    "1.17",  # GET /allocation_candidates?required=; provider summaries list traits
    "1.18",  # GET /resource_providers?required=
    "1.19",  # provider aggregates carry (and PUT requires) the provider generation
    "1.20",  # POST /resource_providers answers 200 with the provider
    "1.21",  # GET /allocation_candidates?member_of=
    "1.22",  # forbidden traits: required=!TRAIT
    "1.23",  # error bodies carry "code"
    "1.24",  # member_of may be repeated (each one must hold)
    "1.25",  # granular request groups: resourcesN, requiredN, member_ofN, group_policy
    "1.26",  # an inventory's reserved may equal its total
    "1.27",  # provider summaries list every class of the provider's inventory
    "1.28",  # consumer generations on allocation reads and writes
    "1.29",  # nested providers in allocation candidates; summaries name parent/root
    "1.30",  # POST /reshaper
    "1.31",  # GET /allocation_candidates?in_tree= (and in_treeN)
    "1.32",  # forbidden aggregates: member_of=!<agg> and member_of=!in:<agg>,...
    "1.33",  # request group suffixes may be strings: resources_COMPUTE
    "1.34",  # allocation candidates carry "mappings" (group suffix -> providers)
    "1.35",  # GET /allocation_candidates?root_required=
    "1.36",  # GET /allocation_candidates?same_subtree=; resourceless request groups
    "1.37",  # a provider may be re-parented or un-parented
    "1.38",  # consumer types: consumer_type on allocations, usages per type
    "1.39",  # required=in:T1,T2 (any of) in providers and candidates, repeatable
]

MICROVERSIONS = Microversions("placement", VERSIONS)
