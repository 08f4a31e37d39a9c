/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* mapnames.c — the pin names of the maps and programs (enum be_map_idx, be_prog_idx). */
#include "be_internal.h"

const char *const be_map_names[BE_MAP__MAX] = {
    [BE_MAP_PEERS] = "tun46_peers", [BE_MAP_ROUTES] = "tun46_routes",	      [BE_MAP_DECAP] = "tun46_decap",
    [BE_MAP_STATS] = "tun46_stats", [BE_MAP_STATS_FAST] = "tun46_stats_fast", [BE_MAP_PORTS] = "tun46_ports",
    [BE_MAP_LINKS] = "tun46_links", [BE_MAP_CONFIG] = "tun46_config",	      [BE_MAP_PEER_RX] = "tun46_peer_rx",
};

const char *const be_prog_names[BE_PROG__MAX] = {
    [BE_PROG_XDP_LAN] = "xdp_lan", [BE_PROG_XDP_WAN] = "xdp_wan", [BE_PROG_TC_LAN] = "tc_lan",
    [BE_PROG_TC_WAN] = "tc_wan",   [BE_PROG_TC_TUN] = "tc_tun",
};
