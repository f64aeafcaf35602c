package org.parley.importer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.Bit32Lib;
import org.luaj.vm2.lib.DebugLib;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.ThreeArgFunction;
import org.luaj.vm2.lib.TwoArgFunction;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * Reads a Prosody configuration the way Prosody does: by running it, in a sandbox whose global assignments become
 * options of the current section and which defines what Prosody's configuration environment has ({@code VirtualHost}
 * and {@code Host}, {@code Component}, {@code Include} and {@code RunScript}, {@code FileContents}, {@code FileLine},
 * {@code FileLines}, {@code Credential}, {@code ENV_*}, {@code Lua}). Nothing else reaches the machine: no {@code io},
 * no {@code os} but {@code os.getenv}, no loading of other code. Each option keeps the file and line that set it.
 */
public final class ProsodyConfigReader {
    /** Files one configuration may include, against include loops and runaway globs. */
    private static final int MAX_FILES = 256;
    private static final long MAX_FILE_BYTES = 4L << 20;

    private final Function<String, String> environment;
    private final Globals lua = new Globals();
    private final Globals env = new Globals();
    private final ProsodyConfig.Section global;
    private final Map<String, ProsodyConfig.Section> hosts = new LinkedHashMap<>();
    private final Map<String, ProsodyConfig.Section> components = new LinkedHashMap<>();
    private ProsodyConfig.Section current;
    private int files;

    private ProsodyConfigReader(Path main, Function<String, String> environment) {
        this.environment = environment;
        this.global = new ProsodyConfig.Section("*", new ProsodyConfig.Source(main.toString(), 0), false, null);
        this.current = global;
        lua.load(new JseBaseLib());
        lua.load(new PackageLib());
        lua.load(new Bit32Lib());
        lua.load(new TableLib());
        lua.load(new StringLib());
        lua.load(new JseMathLib());
        lua.load(new DebugLib());
        LoadState.install(lua);
        LuaC.install(lua);
        for (String unsafe : new String[] {"dofile", "loadfile", "load", "require", "collectgarbage", "print", "package"}) {
            lua.set(unsafe, LuaValue.NIL);
        }
        LuaTable os = new LuaTable();
        os.set("getenv", new OneArgFunction() {
            @Override public LuaValue call(LuaValue name) {
                String v = environment.apply(name.checkjstring());
                return v == null ? NIL : valueOf(v);
            }
        });
        lua.set("os", os);
        // A closure records lines only when its environment is a Globals that carries the debug library.
        env.debuglib = lua.debuglib;
        defineEnvironment();
    }

    /** Reads {@code file} and everything it includes, with the process environment for {@code ENV_*}. */
    public static ProsodyConfig read(Path file) throws IOException {
        return read(file, System::getenv);
    }

    /** Reads {@code file} with {@code environment} standing for the process environment. */
    public static ProsodyConfig read(Path file, Function<String, String> environment) throws IOException {
        ProsodyConfigReader r = new ProsodyConfigReader(file, environment);
        r.run(file.toAbsolutePath().normalize());
        return new ProsodyConfig(r.global, r.hosts, r.components);
    }

    private void run(Path file) throws IOException {
        if (++files > MAX_FILES) throw new IOException("more than " + MAX_FILES + " configuration files (an Include loop?)");
        if (Files.size(file) > MAX_FILE_BYTES) throw new IOException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
        // As in Prosody, every file starts in the global section, and its host sections end with it.
        ProsodyConfig.Section outer = current;
        current = global;
        try (InputStream in = Files.newInputStream(file)) {
            lua.load(in, "@" + file, "t", env).call();
        } catch (LuaError e) {
            throw new IOException("Prosody configuration error: " + e.getMessage(), e);
        } finally {
            current = outer;
        }
    }

    private ProsodyConfig.Source here() {
        LuaValue getinfo = lua.get("debug").get("getinfo");
        for (int level = 1; level < 8; level++) {
            LuaValue info = getinfo.call(LuaValue.valueOf(level), LuaValue.valueOf("Sl"));
            if (info.isnil()) continue;
            int line = info.get("currentline").optint(-1);
            String source = info.get("source").optjstring("");
            if (line > 0 && source.startsWith("@")) return new ProsodyConfig.Source(source.substring(1), line);
        }
        return new ProsodyConfig.Source("?", 0);
    }

    private Path currentDir() {
        ProsodyConfig.Source at = here();
        Path file = Path.of(at.file());
        Path dir = file.getParent();
        return dir == null ? Path.of(".") : dir;
    }

    private void defineEnvironment() {
        LuaTable meta = new LuaTable();
        meta.set("__newindex", new ThreeArgFunction() {
            @Override public LuaValue call(LuaValue table, LuaValue key, LuaValue value) {
                current.set(key.checkjstring(), toJava(value, 0), here());
                return NONE;
            }
        });
        meta.set("__index", new TwoArgFunction() {
            @Override public LuaValue call(LuaValue table, LuaValue key) {
                String k = key.optjstring("");
                if (k.startsWith("ENV_")) {
                    String v = environment.apply(k.substring(4));
                    return v == null ? NIL : valueOf(v);
                }
                return lua.rawget(key);
            }
        });
        env.setmetatable(meta);

        LuaValue virtualHost = new OneArgFunction() {
            @Override public LuaValue call(LuaValue name) {
                String n = name.checkjstring();
                if (components.containsKey(n)) throw new LuaError("'" + n + "' is already a Component");
                current = hosts.computeIfAbsent(n, x -> new ProsodyConfig.Section(x, here(), false, null));
                return optionsSetter(current);
            }
        };
        env.rawset("VirtualHost", virtualHost);
        env.rawset("Host", virtualHost);
        env.rawset("host", virtualHost);
        LuaValue component = new OneArgFunction() {
            @Override public LuaValue call(LuaValue name) {
                String n = name.checkjstring();
                if (hosts.containsKey(n)) throw new LuaError("'" + n + "' is already a VirtualHost");
                ProsodyConfig.Section s = components.computeIfAbsent(n,
                        x -> new ProsodyConfig.Section(x, here(), true, "component"));
                current = s;
                return new OneArgFunction() {
                    @Override public LuaValue call(LuaValue arg) {
                        if (arg.isstring()) {
                            s.module(arg.tojstring());
                            return optionsSetter(s);
                        }
                        return optionsSetter(s).call(arg);
                    }
                };
            }
        };
        env.rawset("Component", component);
        env.rawset("component", component);
        LuaValue include = new OneArgFunction() {
            @Override public LuaValue call(LuaValue pattern) {
                include(pattern.checkjstring());
                return NONE;
            }
        };
        env.rawset("Include", include);
        env.rawset("include", include);
        env.rawset("RunScript", include);
        env.rawset("FileContents", new OneArgFunction() {
            @Override public LuaValue call(LuaValue path) {
                return valueOf(readText(path.checkjstring()));
            }
        });
        env.rawset("FileLine", new OneArgFunction() {
            @Override public LuaValue call(LuaValue path) {
                String text = readText(path.checkjstring());
                int nl = text.indexOf('\n');
                return valueOf(nl < 0 ? text : text.substring(0, nl));
            }
        });
        env.rawset("FileLines", new OneArgFunction() {
            @Override public LuaValue call(LuaValue path) {
                LuaTable t = new LuaTable();
                for (String line : readText(path.checkjstring()).split("\n")) t.insert(0, valueOf(line));
                return t;
            }
        });
        env.rawset("Credential", new OneArgFunction() {
            @Override public LuaValue call(LuaValue name) {
                String dir = environment.apply("CREDENTIALS_DIRECTORY");
                if (dir == null) throw new LuaError("Credential(" + name + "): CREDENTIALS_DIRECTORY is not set");
                return valueOf(readText(Path.of(dir, name.checkjstring()).toString()).strip());
            }
        });
        env.rawset("Lua", lua);
    }

    /** {@code VirtualHost "x" { key = value }}: Prosody's table form. */
    private LuaValue optionsSetter(ProsodyConfig.Section section) {
        return new VarArgFunction() {
            @Override public Varargs invoke(Varargs args) {
                LuaValue t = args.arg1();
                if (!t.istable()) throw new LuaError("expected a table of options");
                ProsodyConfig.Source at = here();
                LuaValue k = LuaValue.NIL;
                while (true) {
                    Varargs next = t.next(k);
                    if ((k = next.arg1()).isnil()) break;
                    section.set(k.checkjstring(), toJava(next.arg(2), 0), at);
                }
                return NONE;
            }
        };
    }

    private void include(String pattern) {
        Path base = currentDir();
        Path p = base.resolve(pattern).normalize();
        String name = p.getFileName().toString();
        try {
            if (name.contains("*") || name.contains("?")) {
                List<Path> matches = new ArrayList<>();
                Path dir = p.getParent();
                if (dir != null && Files.isDirectory(dir)) {
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, name)) {
                        ds.forEach(matches::add);
                    }
                }
                matches.sort(null);
                for (Path m : matches) run(m);
            } else {
                if (!Files.isRegularFile(p)) throw new LuaError("Include: cannot read " + p);
                run(p);
            }
        } catch (IOException e) {
            throw new LuaError(e.getMessage());
        }
    }

    private String readText(String path) {
        Path p = currentDir().resolve(path).normalize();
        try {
            if (Files.size(p) > MAX_FILE_BYTES) throw new LuaError(p + " is too large");
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LuaError("cannot read " + p + ": " + e.getMessage());
        }
    }

    /** Lua to Java: a table with only the keys 1..n is a List, any other a Map with string keys. */
    static Object toJava(LuaValue v, int depth) {
        if (depth > 32) throw new LuaError("option nested too deeply");
        switch (v.type()) {
            case LuaValue.TNIL: return null;
            case LuaValue.TBOOLEAN: return v.toboolean();
            case LuaValue.TNUMBER: return v.isinttype() || (v.isnumber() && v.todouble() == Math.rint(v.todouble())
                    && Math.abs(v.todouble()) < 1e15) ? (Object) v.tolong() : (Object) v.todouble();
            case LuaValue.TSTRING: return v.tojstring();
            case LuaValue.TTABLE: {
                LuaTable t = (LuaTable) v;
                int n = t.length();
                int keys = 0;
                LuaValue k = LuaValue.NIL;
                Map<String, Object> map = new LinkedHashMap<>();
                while (true) {
                    Varargs next = t.next(k);
                    if ((k = next.arg1()).isnil()) break;
                    keys++;
                    map.put(k.tojstring(), toJava(next.arg(2), depth + 1));
                }
                if (keys == n) {
                    List<Object> list = new ArrayList<>(n);
                    for (int i = 1; i <= n; i++) list.add(toJava(t.get(i), depth + 1));
                    return list;
                }
                return map;
            }
            default: return v.tojstring();
        }
    }
}
