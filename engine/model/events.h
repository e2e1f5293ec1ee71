/* events.h — the model's trace emitters (events.c): every event a model path
 * records goes through these, which also keep the run's activity counts.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"
#include "engine/trace/trace.h"

void vm_trace_page (VmemuMachine *m, VmemuEventId id, VmemuPage *p, guint32 before,
                    gint64 a0, gint64 a1, gint64 a2, gint64 a3, const char *detail);
void vm_trace_inode (VmemuMachine *m, VmemuEventId id, VmemuInode *ino, gint64 a0,
                     gint64 a1, gint64 a2, gint64 a3, const char *detail);
void vm_trace (VmemuMachine *m, VmemuEventId id, gint64 a0, gint64 a1, gint64 a2, gint64 a3,
               const char *detail);
guint32 vm_page_trace_flags (const VmemuPage *p);
char *vm_page_holders (const VmemuPage *p);
/* Stamp ev with the running actor and write it (counted even untraced). */
void vm_trace_emit (VmemuMachine *m, VmemuTraceEvent *ev);
