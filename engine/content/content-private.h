/* content-private.h — what the store and the generators of engine/content
 * share; nothing outside engine/content includes it. */
#pragma once

#include "engine/content/content.h"

G_BEGIN_DECLS

/* Each extent holds a reference on its RNG or LITERAL source. */
void vmemu_content_src_ref (const VmContentDesc *d);
void vmemu_content_src_unref (const VmContentDesc *d);
/* The canonical form of d: ZERO and BYTE have goff 0, a BYTE 0 is ZERO. */
VmContentDesc vmemu_content_desc_norm (const VmContentDesc *d);

G_END_DECLS
