/* The table of formats, and recognising a file's format from its first bytes.
 *
 * A format is added in C by its file (NAME.c, defining `const cc_codec cc_NAME_codec`: its row
 * of facts and its calls), a CC_FORMAT_NAME value in ccodecs.h, and its line below; in Swift by
 * a case of ImageSourceInfo.Format and its FormatTraits (Sources/Imaging/Formats.swift). A new
 * library is linked in Package.swift and installed by scripts/install-deps.sh and
 * scripts/package-deb.sh; the sidecar schema's enums list the format. ImagingTests'
 * FormatTableTests checks that the C rows, the Swift traits and the schema agree. */

#include "codec.h"

#include <errno.h>
#include <string.h>

extern const cc_codec cc_png_codec, cc_jpeg_codec, cc_tiff_codec;

/* Indexed by cc_format; sniffing tries the rows in this order. */
static const cc_codec *const codecs[] = {
    [CC_FORMAT_PNG] = &cc_png_codec,
    [CC_FORMAT_JPEG] = &cc_jpeg_codec,
    [CC_FORMAT_TIFF] = &cc_tiff_codec,
};

#define FORMAT_END ((int)(sizeof codecs / sizeof codecs[0]))

const cc_codec *cc_codec_of(int format) {
    return format > 0 && format < FORMAT_END ? codecs[format] : NULL;
}

const cc_format_info *cc_format_info_of(int format) {
    const cc_codec *codec = cc_codec_of(format);
    return codec ? &codec->info : NULL;
}

/* "PNG, JPEG or TIFF": every format's name. */
static void format_names(char *into, size_t size) {
    size_t used = 0;
    into[0] = 0;
    for (int f = 1; f < FORMAT_END && used < size; f++) {
        const char *separator = f == 1 ? "" : f == FORMAT_END - 1 ? " or " : ", ";
        int n = snprintf(into + used, size - used, "%s%s", separator, codecs[f]->info.name);
        used += n > 0 ? (size_t)n : 0;
    }
}

int cc_sniff(FILE *file, const cc_codec **codec, cc_status *status) {
    uint8_t head[CC_SIGNATURE_MAX];
    size_t n = fread(head, 1, sizeof head, file);
    if (n < sizeof head && ferror(file))
        return cc_fail(status, CC_ERR_IO, "%s", strerror(errno));
    if (n == 0)
        return cc_fail(status, CC_ERR_EMPTY, "empty file");
    /* Signatures do not overlap, so the first match is the only one; a cut file is recognised
     * only when no signature matches whole. */
    *codec = NULL;
    for (int f = 1; f < FORMAT_END && !*codec; f++) {
        const cc_format_info *info = &codecs[f]->info;
        for (int i = 0; i < info->signature_count; i++) {
            const cc_signature *s = &info->signatures[i];
            if (n >= s->size && memcmp(head, s->bytes, s->size) == 0)
                *codec = codecs[f];
        }
    }
    for (int f = 1; f < FORMAT_END && !*codec; f++) {
        const cc_format_info *info = &codecs[f]->info;
        for (int i = 0; i < info->signature_count; i++) {
            const cc_signature *s = &info->signatures[i];
            if (info->cut_from > 0 && n >= info->cut_from && n < s->size && memcmp(head, s->bytes, n) == 0) {
                status->format = info->format;
                return cc_fail(status, CC_ERR_TRUNCATED_SIGNATURE, "file ends inside the %s %s",
                               info->name, info->signature_name);
            }
        }
    }
    if (!*codec) {
        char names[CC_MESSAGE_MAX];
        format_names(names, sizeof names);
        return cc_fail(status, CC_ERR_NOT_IMAGE, "not a %s file", names);
    }
    if (fseek(file, 0, SEEK_SET) != 0)
        return cc_fail(status, CC_ERR_IO, "cannot rewind: %s", strerror(errno));
    return 0;
}
