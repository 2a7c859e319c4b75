/* ps-notebook.c — notebooks: load, run cells, write nbformat 4 */
#include "ps-notebook.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ps-error.h"
#include "ps-file.h"

typedef struct {
  PsCellKind kind;
  char      *source;
  JsonObject *json;           /* the cell's object in the notebook (ipynb), or NULL */
  GString   *out;             /* printed text of the last run */
  char      *result;
  PsPyError *error;
  int        count;
} Cell;

struct _PsNotebook {
  GPtrArray *cells;           /* Cell* */
  JsonNode  *root;            /* the whole notebook (ipynb), else built when saved */
  gboolean   script;
  int        counter;
};

static void
cell_free (gpointer p)
{
  Cell *c = p;
  g_free (c->source);
  if (c->out)
    g_string_free (c->out, TRUE);
  g_free (c->result);
  ps_py_error_free (c->error);
  g_free (c);
}

void
ps_notebook_free (PsNotebook *nb)
{
  if (!nb)
    return;
  g_ptr_array_unref (nb->cells);
  if (nb->root)
    json_node_unref (nb->root);
  g_free (nb);
}

static Cell *
add_cell (PsNotebook *nb, PsCellKind kind, const char *src, gssize len)
{
  Cell *c = g_new0 (Cell, 1);
  c->kind = kind;
  c->source = len < 0 ? g_strdup (src) : g_strndup (src, len);
  g_ptr_array_add (nb->cells, c);
  return c;
}

/* a cell's "source": a string or a list of strings */
static char *
join_source (JsonNode *n)
{
  if (!n)
    return g_strdup ("");
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (n));
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return NULL;
  JsonArray *a = json_node_get_array (n);
  GString *g = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          g_string_free (g, TRUE);
          return NULL;
        }
      g_string_append (g, json_node_get_string (e));
    }
  return g_string_free (g, FALSE);
}

/* TRUE when text is one JSON object and nothing but white space after it.
 * (json-glib 1.6 accepts several top-level values and leaks all but the
 * last: such a text is refused before it gets there.) */
static gboolean
single_object (const char *text, gsize len)
{
  gsize i = 0;
  while (i < len && g_ascii_isspace (text[i]))
    i++;
  if (i >= len || text[i] != '{')
    return FALSE;
  int depth = 0;
  for (; i < len; i++)
    {
      char c = text[i];
      if (c == '"')
        {
          for (i++; i < len && text[i] != '"'; i++)
            if (text[i] == '\\')
              i++;
          if (i >= len)
            return FALSE;
        }
      else if (c == '{' || c == '[')
        depth++;
      else if (c == '}' || c == ']')
        {
          if (--depth == 0)
            break;
        }
    }
  if (i >= len)
    return FALSE;
  for (i++; i < len; i++)
    if (!g_ascii_isspace (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
parse_ipynb (PsNotebook *nb, const char *text, gsize len, const char *name, GError **error)
{
  if (!single_object (text, len))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   "%s: not a notebook: a notebook is one JSON object (nbformat 4)", name);
      return FALSE;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) jerr = NULL;
  if (!json_parser_load_from_data (parser, text, len, &jerr))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: not a notebook (JSON): %s", name,
                   jerr->message);
      return FALSE;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: not a notebook: the top level is not an object",
                   name);
      return FALSE;
    }
  JsonObject *o = json_node_get_object (root);
  if (!json_object_has_member (o, "nbformat")
      || json_object_get_int_member_with_default (o, "nbformat", 0) != 4)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: only nbformat 4 notebooks are supported",
                   name);
      return FALSE;
    }
  JsonNode *cells = json_object_get_member (o, "cells");
  if (!cells || !JSON_NODE_HOLDS_ARRAY (cells))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: the notebook has no \"cells\" list", name);
      return FALSE;
    }
  JsonArray *a = json_node_get_array (cells);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *cn = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (cn))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: cell %u is not an object", name, i + 1);
          return FALSE;
        }
      JsonObject *co = json_node_get_object (cn);
      const char *type = json_object_get_string_member_with_default (co, "cell_type", "");
      PsCellKind kind = strcmp (type, "code") == 0 ? PS_CELL_CODE
        : strcmp (type, "markdown") == 0 ? PS_CELL_MARKDOWN : PS_CELL_RAW;
      char *src = join_source (json_object_get_member (co, "source"));
      if (!src || !g_utf8_validate (src, -1, NULL))
        {
          g_free (src);
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "%s: cell %u: \"source\" is not text (a string or a list of strings)",
                       name, i + 1);
          return FALSE;
        }
      Cell *c = add_cell (nb, kind, src, -1);
      c->json = co;
      g_free (src);
    }
  nb->root = json_node_ref (root);
  return TRUE;
}

static void
parse_py (PsNotebook *nb, const char *text, gsize len)
{
  /* lines starting with "# %%" start cells; text before the first mark is a
   * cell only when not empty */
  const char *p = text, *end = text + len;
  GString *cur = g_string_new (NULL);
  gboolean any_mark = FALSE;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *next = nl ? nl + 1 : end;
      if (next - p >= 4 && strncmp (p, "# %%", 4) == 0)
        {
          if (cur->len || nb->cells->len)
            add_cell (nb, PS_CELL_CODE, cur->str, cur->len);
          g_string_truncate (cur, 0);
          any_mark = TRUE;
        }
      else
        g_string_append_len (cur, p, next - p);
      p = next;
    }
  add_cell (nb, PS_CELL_CODE, cur->str, cur->len);
  g_string_free (cur, TRUE);
  nb->script = !any_mark;
}

PsNotebook *
ps_notebook_parse (const char *text, gsize len, gboolean ipynb, const char *name, GError **error)
{
  PsNotebook *nb = g_new0 (PsNotebook, 1);
  nb->cells = g_ptr_array_new_with_free_func (cell_free);
  if (!g_utf8_validate (text, len, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s: the file is not UTF-8 text", name);
      ps_notebook_free (nb);
      return NULL;
    }
  if (ipynb)
    {
      if (!parse_ipynb (nb, text, len, name, error))
        {
          ps_notebook_free (nb);
          return NULL;
        }
    }
  else
    parse_py (nb, text, len);
  return nb;
}

PsNotebook *
ps_notebook_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  g_autoptr (GError) ferr = NULL;
  if (!g_file_get_contents (path, &text, &len, &ferr))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s", ferr->message);
      return NULL;
    }
  return ps_notebook_parse (text, len, g_str_has_suffix (path, ".ipynb"), path, error);
}

gboolean
ps_notebook_is_script (PsNotebook *nb)
{
  return nb->script;
}

guint
ps_notebook_get_n_cells (PsNotebook *nb)
{
  return nb->cells->len;
}

static Cell *
cell_at (PsNotebook *nb, guint i)
{
  g_return_val_if_fail (i < nb->cells->len, NULL);
  return nb->cells->pdata[i];
}

PsCellKind
ps_notebook_cell_kind (PsNotebook *nb, guint i)
{
  return cell_at (nb, i)->kind;
}

const char *
ps_notebook_cell_source (PsNotebook *nb, guint i)
{
  return cell_at (nb, i)->source;
}

void
ps_notebook_set_cell_source (PsNotebook *nb, guint i, const char *source)
{
  Cell *c = cell_at (nb, i);
  g_return_if_fail (c != NULL && source != NULL);
  g_free (c->source);
  c->source = g_strdup (source);
}

const char *
ps_notebook_cell_stdout (PsNotebook *nb, guint i)
{
  Cell *c = cell_at (nb, i);
  return c->out && c->out->len ? c->out->str : NULL;
}

const char *
ps_notebook_cell_result (PsNotebook *nb, guint i)
{
  return cell_at (nb, i)->result;
}

const PsPyError *
ps_notebook_cell_error (PsNotebook *nb, guint i)
{
  return cell_at (nb, i)->error;
}

int
ps_notebook_cell_execution_count (PsNotebook *nb, guint i)
{
  return cell_at (nb, i)->count;
}

typedef struct {
  Cell *cell;
  guint index;
  PsNotebookWriteFunc live;
  gpointer user_data;
} RunCtx;

static void
collect (const char *text, gsize len, gpointer data)
{
  RunCtx *r = data;
  g_string_append_len (r->cell->out, text, len);
  if (r->live)
    r->live (r->index, text, len, r->user_data);
}

gboolean
ps_notebook_run_cell (PsNotebook *nb, PsPy *py, guint i, PsNotebookWriteFunc live,
                      gpointer user_data)
{
  Cell *c = cell_at (nb, i);
  g_return_val_if_fail (c->kind == PS_CELL_CODE, FALSE);
  if (c->out)
    g_string_truncate (c->out, 0);
  else
    c->out = g_string_new (NULL);
  g_clear_pointer (&c->result, g_free);
  g_clear_pointer (&c->error, ps_py_error_free);
  c->count = ++nb->counter;
  RunCtx r = { c, i, live, user_data };
  ps_py_set_output (py, collect, &r);
  char *name = g_strdup_printf ("<cell %d>", c->count);
  gboolean ok = ps_py_run (py, c->source, -1, name, &c->result, &c->error);
  g_free (name);
  ps_py_set_output (py, NULL, NULL);
  return ok;
}

/* ---- writing -------------------------------------------------------------------- */

/* text as nbformat writes it: a list of lines, each keeping its newline */
static JsonNode *
lines_node (const char *text)
{
  JsonArray *a = json_array_new ();
  const char *p = text;
  while (*p)
    {
      const char *nl = strchr (p, '\n');
      gsize n = nl ? (gsize) (nl - p + 1) : strlen (p);
      char *line = g_strndup (p, n);
      json_array_add_string_element (a, line);
      g_free (line);
      p += n;
    }
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, a);
  return node;
}

static JsonArray *
outputs_of (Cell *c)
{
  JsonArray *outs = json_array_new ();
  if (c->out && c->out->len)
    {
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "output_type", "stream");
      json_object_set_string_member (o, "name", "stdout");
      json_object_set_member (o, "text", lines_node (c->out->str));
      json_array_add_object_element (outs, o);
    }
  if (c->result)
    {
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "output_type", "execute_result");
      json_object_set_int_member (o, "execution_count", c->count);
      json_object_set_object_member (o, "metadata", json_object_new ());
      JsonObject *data = json_object_new ();
      json_object_set_member (data, "text/plain", lines_node (c->result));
      json_object_set_object_member (o, "data", data);
      json_array_add_object_element (outs, o);
    }
  if (c->error)
    {
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "output_type", "error");
      json_object_set_string_member (o, "ename", c->error->ename);
      json_object_set_string_member (o, "evalue", c->error->evalue);
      JsonArray *tb = json_array_new ();
      for (int k = 0; c->error->traceback && c->error->traceback[k]; k++)
        json_array_add_string_element (tb, c->error->traceback[k]);
      json_object_set_array_member (o, "traceback", tb);
      json_array_add_object_element (outs, o);
    }
  return outs;
}

static void
fill_cell (JsonObject *co, Cell *c)
{
  if (c->kind != PS_CELL_CODE)
    return;
  if (c->count)
    json_object_set_int_member (co, "execution_count", c->count);
  else if (!json_object_has_member (co, "execution_count"))
    json_object_set_null_member (co, "execution_count");
  if (c->count || !json_object_has_member (co, "outputs"))
    json_object_set_array_member (co, "outputs", outputs_of (c));
}

char *
ps_notebook_to_json (PsNotebook *nb)
{
  if (!nb->root)
    {
      JsonObject *o = json_object_new ();
      json_object_set_int_member (o, "nbformat", 4);
      json_object_set_int_member (o, "nbformat_minor", 5);
      json_object_set_object_member (o, "metadata", json_object_new ());
      JsonArray *cells = json_array_new ();
      for (guint i = 0; i < nb->cells->len; i++)
        {
          Cell *c = nb->cells->pdata[i];
          JsonObject *co = json_object_new ();
          json_object_set_string_member (co, "cell_type", "code");
          json_object_set_object_member (co, "metadata", json_object_new ());
          json_object_set_member (co, "source", lines_node (c->source));
          json_array_add_object_element (cells, co);
          c->json = co;
        }
      json_object_set_array_member (o, "cells", cells);
      nb->root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (nb->root, o);
    }
  for (guint i = 0; i < nb->cells->len; i++)
    {
      Cell *c = nb->cells->pdata[i];
      if (c->json)
        fill_cell (c->json, c);
    }
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 1);
  json_generator_set_root (gen, nb->root);
  char *text = json_generator_to_data (gen, NULL);
  char *with_nl = g_strconcat (text, "\n", NULL);
  g_free (text);
  return with_nl;
}

gboolean
ps_notebook_save (PsNotebook *nb, const char *path, GError **error)
{
  g_autofree char *text = ps_notebook_to_json (nb);
  return ps_file_replace_contents (path, text, strlen (text), error);
}
