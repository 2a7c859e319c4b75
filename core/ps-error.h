/* ps-error.h — the error domain of everything a user's file or click can cause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PS_ERROR (ps_error_quark ())

typedef enum
{
  PS_ERROR_PARSE,          /* model file or scheme text is not in the supported language */
  PS_ERROR_SHAPE,          /* shapes do not fit */
  PS_ERROR_UNINITIALIZED,  /* a lazy parameter was used before it was materialized */
  PS_ERROR_FORMAT,         /* a safetensors file is malformed */
  PS_ERROR_KEY,            /* a state_dict key is missing, extra or unknown */
  PS_ERROR_VALUE,          /* a value is out of range or not a number */
  PS_ERROR_IO,             /* reading or writing a file failed */
  PS_ERROR_RESOURCE,       /* too large to allocate */
} PsErrorCode;

GQuark ps_error_quark (void);

G_END_DECLS
