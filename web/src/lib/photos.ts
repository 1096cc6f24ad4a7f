// Photos taken on the phone: resized before they are queued (long side 1600 px, JPEG 0.8) so a
// visit's pictures fit the phone's storage and a slow connection. Drawing on a canvas keeps the
// pixels only: the EXIF data of the camera file (its GPS position among others) is left behind,
// and the time the picture was taken travels as `taken_at` (the file's date).

/** Longest side of a stored photo, in pixels. */
export const PHOTO_LONG_SIDE = 1600
export const PHOTO_QUALITY = 0.8

/** The size of a picture shrunk to fit `longSide` (never enlarged). */
export function fitWithin(width: number, height: number, longSide = PHOTO_LONG_SIDE): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height, 1))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

export interface ResizedPhoto {
  /** JPEG bytes, base64 (the upload body's `content_base64`). */
  base64: string
  /** `data:` URL of the same JPEG, for the thumbnail shown while it waits. */
  dataUrl: string
  /** When it was taken: the camera file's date. */
  takenAt: string
}

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result))
    reader.onerror = () => reject(reader.error ?? new Error('lecture impossible'))
    reader.readAsDataURL(blob)
  })
}

/** Decodes the camera file (turned upright), draws it at most 1600 px long and encodes JPEG. */
export async function resizePhoto(file: File): Promise<ResizedPhoto> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
  try {
    const size = fitWithin(bitmap.width, bitmap.height)
    const canvas = document.createElement('canvas')
    canvas.width = size.width
    canvas.height = size.height
    const context = canvas.getContext('2d')
    if (!context) throw new Error('dessin impossible')
    context.drawImage(bitmap, 0, 0, size.width, size.height)
    const blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((made) => (made ? resolve(made) : reject(new Error('encodage impossible'))), 'image/jpeg', PHOTO_QUALITY),
    )
    const dataUrl = await blobToDataUrl(blob)
    return {
      base64: dataUrl.slice(dataUrl.indexOf(',') + 1),
      dataUrl,
      takenAt: new Date(file.lastModified || Date.now()).toISOString(),
    }
  } finally {
    bitmap.close()
  }
}
