//! Reading the files a user or a package names: only regular files (a FIFO, a device such as
//! /dev/zero or a directory is refused, never waited on or read forever), and never more
//! than a stated number of bytes. Symbolic links are followed to what they name, which must
//! itself be a regular file.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The most a configuration-like file (config, adapter, waivers, lab records) may hold.
pub const MAX_SETTINGS_BYTES: u64 = 1 << 20;

/// The most a certificate, CRL, OCSP answer, receipt or proof file may hold.
pub const MAX_DOCUMENT_BYTES: u64 = 16 << 20;

/// Reads `path` if it is a regular file of at most `max` bytes; otherwise an error saying
/// which rule it broke.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let (file, len) = open_regular_sized(path, false)?;
    read_open(file, len, max)
}

/// Opens `path` for streaming if it is a regular file (a FIFO would block a plain open, a
/// device would never end).
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    open_regular_sized(path, false).map(|(file, _)| file)
}

/// Opens `path` without waiting (a FIFO's open would block) and keeps it only if the open
/// file is a regular one: judged on the file itself, not on a path that could change in
/// between. With `no_link`, a link as the last component is an error (ELOOP), not followed.
/// Returns the file and its size.
fn open_regular_sized(path: &Path, no_link: bool) -> std::io::Result<(std::fs::File, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = libc::O_NONBLOCK | if no_link { libc::O_NOFOLLOW } else { 0 };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a directory, device or FIFO is not read)",
        ));
    }
    Ok((file, meta.len()))
}

/// The bytes of an open regular file of `len` bytes (its size when opened), at most `max`.
fn read_open(mut file: std::fs::File, len: u64, max: u64) -> std::io::Result<Vec<u8>> {
    if len > max {
        return Err(too_large(len, max));
    }
    // One read asks for a byte more than the file held: exactly `len` back is its end, as a
    // regular file's read comes up short only there. A file that grew or shrank since reads
    // on to its end, at most one byte over the limit (to see it broken).
    let mut bytes = vec![0; usize::try_from(len + 1).unwrap_or(usize::MAX)];
    let got = file.read(&mut bytes)?;
    bytes.truncate(got);
    if got as u64 != len {
        file.take((max + 1).saturating_sub(got as u64))
            .read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64, max));
    }
    Ok(bytes)
}

/// A file a package names, opened under [`inside`]'s rules and only if it is a regular
/// file, judged on the open file: returns its path (resolved), the file and its size. In a
/// folder already resolved the file is opened without following a link, and a link goes
/// the long way; so the fast path is the folder's `lstat`, the open and an `fstat`, where
/// judging by path took three calls before the open.
pub fn open_inside(
    root: &Path,
    rel: &str,
    folder: &str,
) -> Result<(PathBuf, std::fs::File, u64), String> {
    let joined = root.join(relative(rel, folder)?);
    let opened = |path: PathBuf, no_link: bool| {
        open_regular_sized(&path, no_link).map(|(file, len)| (path, file, len))
    };
    if let Some(path) = resolved_folder(root, &joined) {
        match opened(path, true) {
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {} // a link: the long way
            other => return other.map_err(|e| format!("{rel}: {e}")),
        }
    }
    opened(inside(root, rel, folder)?, false).map_err(|e| format!("{rel}: {e}"))
}

/// [`open_inside`], read: at most `max` bytes.
pub fn read_inside(root: &Path, rel: &str, folder: &str, max: u64) -> Result<Vec<u8>, String> {
    let (_, file, len) = open_inside(root, rel, folder)?;
    read_open(file, len, max).map_err(|e| format!("{rel}: {e}"))
}

/// Hands everything `reader` yields to `each`, 128 KiB at a time (hashing a large file
/// without holding it); returns how many bytes there were. The buffer is the thread's, kept
/// between calls: a fresh one per 512-byte original was zeroed, and at glibc's mmap threshold
/// mapped and unmapped, for every record of a package.
pub fn for_each_chunk(mut reader: impl Read, mut each: impl FnMut(&[u8])) -> std::io::Result<u64> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    // Taken, not borrowed: `each` may itself stream a file on this thread.
    let mut buf = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.resize(128 << 10, 0);
    let mut total = 0u64;
    let result = loop {
        match reader.read(&mut buf) {
            Ok(0) => break Ok(total),
            Ok(n) => {
                each(&buf[..n]);
                total += n as u64;
            }
            Err(e) => break Err(e),
        }
    };
    BUFFER.with(|b| *b.borrow_mut() = buf);
    result
}

/// As [`read_regular`], as UTF-8 text.
pub fn read_regular_text(path: &Path, max: u64) -> std::io::Result<String> {
    String::from_utf8(read_regular(path, max)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// A path a file names (a manifest, lab records), kept inside `root`, the folder `folder`
/// describes ("the package"): no absolute paths, no `..`, no link leading out, and when the
/// file exists, a regular file.
pub fn inside(root: &Path, rel: &str, folder: &str) -> Result<PathBuf, String> {
    let joined = root.join(relative(rel, folder)?);
    if let Some(resolved) = resolved_in_known_folder(root, &joined) {
        return Ok(resolved);
    }
    // Through a symbolic link a path can still leave: what it resolves to must be inside the
    // (canonical) root, and a regular file (never a FIFO or a device).
    let Ok(resolved) = joined.canonicalize() else {
        return Ok(joined); // absent: reported by whoever opens it
    };
    if !resolved.starts_with(root) {
        return Err(format!(
            "path `{rel}` leads outside {folder} through a link"
        ));
    }
    if !resolved.is_file() {
        return Err(format!("path `{rel}` is not a regular file"));
    }
    Ok(resolved)
}

/// `rel` as a relative path that stays inside: no absolute path, no `..`, no `.`.
fn relative<'r>(rel: &'r str, folder: &str) -> Result<&'r Path, String> {
    let p = Path::new(rel);
    if p.is_absolute()
        || p.components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(format!("path `{rel}` leaves {folder}"));
    }
    Ok(p)
}

/// The fast path of [`inside`] for the many files of one folder (a package's receipts): when
/// the file itself is a regular file and not a link, and its folder was resolved before to a
/// place inside `root`, the resolved path is that folder's plus the name: one `lstat` instead
/// of resolving every component again. `None` sends the caller the long way.
fn resolved_in_known_folder(root: &Path, joined: &Path) -> Option<PathBuf> {
    let is_file = std::fs::symlink_metadata(joined).is_ok_and(|m| m.file_type().is_file());
    if !is_file {
        return None;
    }
    resolved_folder(root, joined)
}

/// `joined` with its folder resolved, when that folder is (still) a folder and no link and
/// was resolved before on this thread to a place inside `root`; the file itself is not
/// looked at. `None` sends the caller the long way.
fn resolved_folder(root: &Path, joined: &Path) -> Option<PathBuf> {
    use std::cell::RefCell;
    /// Folders resolved on this thread: (as joined, canonical). A handful: packages keep their
    /// files in a few folders.
    const KEPT: usize = 16;
    thread_local! {
        static FOLDERS: RefCell<Vec<(PathBuf, PathBuf)>> = const { RefCell::new(Vec::new()) };
    }
    let (folder, name) = (joined.parent()?, joined.file_name()?);
    // A folder swapped for a link since it was resolved goes the long way.
    let is_folder = std::fs::symlink_metadata(folder).is_ok_and(|m| m.file_type().is_dir());
    if !is_folder {
        return None;
    }
    FOLDERS.with(|folders| {
        let mut folders = folders.borrow_mut();
        let canonical = match folders.iter().find(|(as_joined, _)| as_joined == folder) {
            Some((_, canonical)) => canonical.clone(),
            None => {
                let canonical = folder.canonicalize().ok()?;
                if folders.len() == KEPT {
                    folders.remove(0);
                }
                folders.push((folder.to_path_buf(), canonical.clone()));
                canonical
            }
        };
        canonical.starts_with(root).then(|| canonical.join(name))
    })
}

fn too_large(len: u64, max: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{len} bytes or more, over the limit of {max}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_fifos_are_refused_at_once() {
        let started = std::time::Instant::now();
        for special in ["/dev/zero", "/dev/urandom", "/"] {
            let err = read_regular(Path::new(special), MAX_DOCUMENT_BYTES).unwrap_err();
            assert!(
                err.to_string().contains("not a regular file"),
                "{special}: {err}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(read_regular(&fifo, 10).is_err());
        }
        // A link to a device is the device.
        let link = dir.path().join("zero.pem");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read_regular(&link, 10).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    /// A package folder (canonical) in a temporary directory, with `receipts/a.json` ("a"),
    /// `receipts/b.json` ("bb"), a link `receipts/in.json` to b.json and a link
    /// `receipts/out.json` to a file outside the package.
    fn package_with_links() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("package/receipts")).unwrap();
        let root = dir.path().join("package").canonicalize().unwrap();
        let outside = dir.path().join("secret.txt");
        std::fs::write(&outside, "outside").unwrap();
        std::fs::write(root.join("receipts/a.json"), "a").unwrap();
        std::fs::write(root.join("receipts/b.json"), "bb").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("receipts/out.json")).unwrap();
        std::os::unix::fs::symlink(root.join("receipts/b.json"), root.join("receipts/in.json"))
            .unwrap();
        (dir, root)
    }

    /// Swaps the package's `receipts` folder for a link to a folder outside it that holds an
    /// `a.json` of its own.
    fn swap_receipts_for_a_link_out(dir: &tempfile::TempDir, root: &Path) {
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("a.json"), "elsewhere").unwrap();
        std::fs::rename(root.join("receipts"), root.join("moved")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("receipts")).unwrap();
    }

    /// Once a folder is known (the fast path), a link in it still may not lead out, a link
    /// within stays allowed, and a folder swapped for a link to elsewhere is noticed.
    #[test]
    fn links_are_judged_the_same_in_a_folder_already_resolved() {
        let (dir, root) = package_with_links();
        let resolve = |rel: &str| inside(&root, rel, "the package");
        assert_eq!(resolve("receipts/a.json"), Ok(root.join("receipts/a.json")));
        assert!(
            resolve("receipts/out.json")
                .unwrap_err()
                .contains("outside")
        );
        assert_eq!(
            resolve("receipts/in.json"),
            Ok(root.join("receipts/b.json"))
        );
        // The folder itself becomes a link out of the package.
        swap_receipts_for_a_link_out(&dir, &root);
        assert!(resolve("receipts/a.json").unwrap_err().contains("outside"));
    }

    /// Opening a package's files: the same rules as [`inside`] (a link in a known folder
    /// leading out is refused, one within is read, a folder swapped for a link out is
    /// noticed) and only regular files (a FIFO is refused at once), at most `max` bytes.
    #[test]
    fn package_files_open_only_inside_and_only_regular() {
        let (dir, root) = package_with_links();
        std::fs::write(root.join("receipts/empty.json"), "").unwrap();
        let fifo = root.join("receipts/fifo.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let read = |rel: &str, max: u64| read_inside(&root, rel, "the package", max);
        let started = std::time::Instant::now();
        for _ in 0..2 {
            // The second time round, the folder is known: the fast path.
            assert_eq!(read("receipts/a.json", 10), Ok(b"a".to_vec()));
            assert_eq!(read("receipts/empty.json", 10), Ok(Vec::new()));
            assert_eq!(read("receipts/in.json", 10), Ok(b"bb".to_vec()));
            assert!(
                read("receipts/out.json", 10)
                    .unwrap_err()
                    .contains("outside")
            );
            assert!(
                read("receipts/b.json", 1)
                    .unwrap_err()
                    .contains("limit of 1")
            );
            assert_eq!(read("receipts/b.json", 2), Ok(b"bb".to_vec()));
            assert!(read("receipts/none.json", 10).is_err());
            assert!(read("../secret.txt", 10).unwrap_err().contains("leaves"));
            assert!(
                read("receipts", 10)
                    .unwrap_err()
                    .contains("not a regular file")
            );
            if made.as_ref().is_ok_and(|s| s.success()) {
                assert!(read("receipts/fifo.json", 10).is_err());
            }
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let (path, _, len) = open_inside(&root, "receipts/in.json", "the package").unwrap();
        assert_eq!((path, len), (root.join("receipts/b.json"), 2));
        // The folder itself becomes a link out of the package.
        swap_receipts_for_a_link_out(&dir, &root);
        assert!(
            read("receipts/a.json", 100)
                .unwrap_err()
                .contains("outside")
        );
    }

    #[test]
    fn a_file_over_its_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 100]).unwrap();
        assert!(
            read_regular(&big, 99)
                .unwrap_err()
                .to_string()
                .contains("limit of 99")
        );
        assert_eq!(read_regular(&big, 100).unwrap().len(), 100);
        // A file that grew or shrank since its size was taken is read to its end, within
        // the limit.
        let open = || std::fs::File::open(&big).unwrap();
        assert_eq!(read_open(open(), 40, 100).unwrap().len(), 100);
        assert_eq!(read_open(open(), 400, 1000).unwrap().len(), 100);
        assert!(read_open(open(), 40, 99).is_err());
    }
}
