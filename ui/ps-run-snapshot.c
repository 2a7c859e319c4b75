/* ps-run-snapshot.c — a run's snapshots list: its entries (PsRunSnapshot)
 * and what it keeps (ps-run-controller.h) */
#include "ps-run-controller.h"

#include <glib/gi18n.h>
#include <inttypes.h>

/* The snapshots' memory is capped by the document's history limit (they
 * take at most half of it); the count only keeps the snapshot pickers of
 * the Difference page short. */
#define MAX_SNAPSHOTS 1000

struct _PsRunSnapshot
{
  GObject     parent_instance;
  PsSnapshot *snapshot;
  char       *label;
};

G_DEFINE_FINAL_TYPE (PsRunSnapshot, ps_run_snapshot, G_TYPE_OBJECT)

enum { SNAP_PROP_0, SNAP_PROP_LABEL, SNAP_N_PROPS };
static GParamSpec *snap_props[SNAP_N_PROPS];

static void
ps_run_snapshot_finalize (GObject *object)
{
  PsRunSnapshot *rs = PS_RUN_SNAPSHOT (object);
  g_clear_pointer (&rs->snapshot, ps_snapshot_free);
  g_free (rs->label);
  G_OBJECT_CLASS (ps_run_snapshot_parent_class)->finalize (object);
}

static void
ps_run_snapshot_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == SNAP_PROP_LABEL)
    g_value_set_string (value, PS_RUN_SNAPSHOT (object)->label);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_run_snapshot_class_init (PsRunSnapshotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = ps_run_snapshot_finalize;
  object_class->get_property = ps_run_snapshot_get_property;
  snap_props[SNAP_PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, SNAP_N_PROPS, snap_props);
}

static void
ps_run_snapshot_init (PsRunSnapshot *rs)
{
}

PsRunSnapshot *
ps_run_snapshot_new (PsSnapshot *s, const char *label)
{
  PsRunSnapshot *rs = g_object_new (PS_TYPE_RUN_SNAPSHOT, NULL);
  rs->snapshot = s;
  rs->label = g_strdup (label);
  return rs;
}

PsSnapshot *
ps_run_snapshot_get_snapshot (PsRunSnapshot *rs)
{
  g_return_val_if_fail (PS_IS_RUN_SNAPSHOT (rs), NULL);
  return rs->snapshot;
}

const char *
ps_run_snapshot_get_label (PsRunSnapshot *rs)
{
  g_return_val_if_fail (PS_IS_RUN_SNAPSHOT (rs), NULL);
  return rs->label;
}

/* ---- the list ---------------------------------------------------------------- */

static guint64
snapshots_bytes (GListStore *snapshots)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (snapshots));
  guint64 bytes = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PsRunSnapshot) rs = g_list_model_get_item (G_LIST_MODEL (snapshots), i);
      bytes += ps_run_snapshot_get_snapshot (rs) ? ps_snapshot_get_bytes (ps_run_snapshot_get_snapshot (rs)) : 0;
    }
  return bytes;
}

/* Keep the snapshots within half the document's history limit (and
 * MAX_SNAPSHOTS): the oldest automatic snapshot after a run's start goes
 * first, then the oldest of any kind; the document is told what is kept
 * and, if some were dropped, that the history was trimmed. */
void
ps_run_snapshots_trim (GListStore *snapshots, PsDocument *doc)
{
  guint64 limit = ps_document_get_history_limit (doc) / 2;
  guint64 bytes = snapshots_bytes (snapshots);
  guint n, dropped = 0;

  while ((n = g_list_model_get_n_items (G_LIST_MODEL (snapshots))) > 0
         && (bytes > limit || n > MAX_SNAPSHOTS))
    {
      g_autoptr (PsRunSnapshot) old = NULL;
      guint drop = 0;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr (PsRunSnapshot) rs = g_list_model_get_item (G_LIST_MODEL (snapshots), i);
          if (g_str_has_prefix (ps_snapshot_get_label (ps_run_snapshot_get_snapshot (rs)), "step ")
              && ps_snapshot_get_step (ps_run_snapshot_get_snapshot (rs)) > 0)
            {
              drop = i;
              break;
            }
        }
      old = g_list_model_get_item (G_LIST_MODEL (snapshots), drop);
      bytes -= ps_snapshot_get_bytes (ps_run_snapshot_get_snapshot (old));
      g_list_store_remove (snapshots, drop);
      dropped++;
    }
  ps_document_set_kept_bytes (doc, bytes);
  ps_document_history_trimmed (doc, dropped);
}

void
ps_run_snapshots_append (GListStore *snapshots, PsDocument *doc, PsSnapshot *s, guint run_no)
{
  g_autofree char *shown = NULL;
  g_autoptr (PsRunSnapshot) item = NULL;

  if (g_str_has_prefix (ps_snapshot_get_label (s), "step "))
    /* automatic ones say which run they belong to */
    shown = g_strdup_printf (_("run %u · step %" PRIu64), MAX (run_no, 1),
                             ps_snapshot_get_step (s));
  else
    shown = g_strdup (ps_snapshot_get_label (s));
  item = ps_run_snapshot_new (s, shown);
  g_list_store_append (snapshots, item);
  ps_run_snapshots_trim (snapshots, doc);
}
