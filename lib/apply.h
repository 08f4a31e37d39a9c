/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * apply.h — config apply of a parsed desired state: the one call behind
 * `tun46 config apply FILE` and tun46d -c FILE (at start and on SIGHUP).
 */
#ifndef TUN46_APPLY_H
#define TUN46_APPLY_H

#include <stdbool.h>

#include "backend.h"
#include "config.h"
#include "plan.h"
#include "state.h"

/* Make the live state of be (opened for writing) equal to want, all or
 * nothing: DNS remotes are resolved (a peer whose name is unchanged keeps its
 * live address; the daemon follows it), the plan is built, checked (every
 * interface exists) and run, and the peers' DNS names are recorded.
 * Returns 0 (plan says what changed; the caller frees it with
 * t46_plan_free), -EINVAL when want cannot be applied (errs holds why, with
 * the config lines; nothing was changed), or the negative errno of the
 * failed operation (rolled back unless *rollback_failed). */
int t46_config_apply_state(struct be *be, struct t46_state *want, struct t46_cfg_errs *errs, struct t46_plan *plan,
			   bool *rollback_failed);

#endif /* TUN46_APPLY_H */
