"""The names of RVTools' table kinds (shared by the row-by-row and column-wise paths)."""

NAME = "rvtools"
VINFO, VHOST, VDATASTORE, VDISK = "vInfo", "vHost", "vDatastore", "vDisk"
OTHER = "other RVTools sheets"
NO_DATASTORES = (
    "no vDatastore table: each VM gets its own exclusive LUN (one LUN per VM); "
    "the datastores in vInfo Path are not used"
)
