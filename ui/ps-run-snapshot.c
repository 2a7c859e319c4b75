/* ps-run-snapshot.c — one entry of a run's snapshots list (ps-run-controller.h) */
#include "ps-run-controller.h"

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
