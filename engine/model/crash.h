/* crash.h — error injection and power cuts (crash.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

void vm_inject (VmemuMachine *m, const VmemuOp *op);
void vm_power_cut (VmemuMachine *m, VmemuActor *self);
