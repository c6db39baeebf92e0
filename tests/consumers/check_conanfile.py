"""Checks berth's Conan 2 recipe without Conan (which this machine cannot install).

    python3 check_conanfile.py <berth source dir> <CMake's project version>

conanfile.py and test_package/conanfile.py must be valid Python; the recipe must be a
header-library named berth whose package_id() clears the settings, whose package_info()
names the CMake package berth and the target berth::berth, and whose set_version(),
run against stand-ins for the conan modules, reads the version CMake read. test_package/
must be in Conan's layout. Exits 1 with a list of what is wrong.
"""
import ast
import importlib.abc
import importlib.util
import os
import sys
import types

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
source_dir, cmake_version = sys.argv[1], sys.argv[2]
problems = []


def parse(path):
    try:
        with open(path, encoding="utf-8") as f:
            return ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError) as e:
        problems.append("%s: %s" % (path, e))
        return None


def recipe_class(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == "ConanFile" for b in node.bases):
            return node
    return None


def class_attribute(cls, name):
    for node in cls.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    return None


def method(cls, name):
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def calls(function, text):
    """Whether the method's source contains a call whose unparsed text is `text`."""
    return function is not None and any(
        isinstance(n, ast.Call) and ast.unparse(n) == text for n in ast.walk(function))


recipe_path = os.path.join(source_dir, "conanfile.py")
tree = parse(recipe_path)
cls = recipe_class(tree) if tree else None
if tree and cls is None:
    problems.append("conanfile.py: no class deriving from ConanFile")
if cls is not None:
    if class_attribute(cls, "name") != "berth":
        problems.append("name is not 'berth'")
    if class_attribute(cls, "package_type") != "header-library":
        problems.append("package_type is not 'header-library'")
    if class_attribute(cls, "version") is not None:
        problems.append("a fixed version attribute; set_version() must read version.hpp")
    exports = class_attribute(cls, "exports_sources") or ()
    if isinstance(exports, str):
        exports = (exports,)
    if "include/*" not in exports:
        problems.append("exports_sources does not include include/*")
    if not calls(method(cls, "package_id"), "self.info.clear()"):
        problems.append("package_id() does not call self.info.clear(): settings would enter the package id")
    info = method(cls, "package_info")
    for call in ("self.cpp_info.set_property('cmake_file_name', 'berth')",
                 "self.cpp_info.set_property('cmake_target_name', 'berth::berth')"):
        if not calls(info, call):
            problems.append("package_info() lacks " + call)
    if method(cls, "set_version") is None:
        problems.append("no set_version()")


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Modules conan and conan.*: ConanFile, the exceptions and load() as Conan defines
    them where set_version() needs them; any other name a function that must not run."""

    def find_spec(self, fullname, path, target=None):
        if fullname == "conan" or fullname.startswith("conan."):
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []

        class ConanException(Exception):
            pass

        def load(conanfile, path, encoding="utf-8"):
            with open(path, encoding=encoding) as f:
                return f.read()

        def unexpected(name):
            def call(*args, **kwargs):
                raise AssertionError("set_version() called %s" % name)
            return call

        known = {"ConanFile": type("ConanFile", (), {}), "ConanException": ConanException,
                 "ConanInvalidConfiguration": ConanException, "load": load}
        module.__getattr__ = lambda name: known.get(name) or unexpected(name)
        return module

    def exec_module(self, module):
        pass


if cls is not None:
    sys.meta_path.insert(0, StandIns())
    spec = importlib.util.spec_from_file_location("berth_conanfile", recipe_path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        recipe = getattr(module, cls.name).__new__(getattr(module, cls.name))
        recipe.recipe_folder = source_dir
        recipe.version = None
        recipe.set_version()
        if recipe.version != cmake_version:
            problems.append("set_version() gives %r, CMake's project version is %r"
                            % (recipe.version, cmake_version))
        else:
            print("conanfile.py: berth/%s, as CMake reads it" % recipe.version)
    except Exception as e:  # any failure of the recipe is a finding, reported below
        problems.append("running set_version(): %s: %s" % (type(e).__name__, e))

test_dir = os.path.join(source_dir, "test_package")
test_tree = parse(os.path.join(test_dir, "conanfile.py"))
if test_tree is not None:
    test_cls = recipe_class(test_tree)
    if test_cls is None:
        problems.append("test_package/conanfile.py: no class deriving from ConanFile")
    else:
        if not calls(method(test_cls, "requirements"), "self.requires(self.tested_reference_str)"):
            problems.append("test_package/conanfile.py does not require self.tested_reference_str")
        if method(test_cls, "test") is None:
            problems.append("test_package/conanfile.py has no test()")
for name in ("CMakeLists.txt", "test_package.cpp"):
    if not os.path.isfile(os.path.join(test_dir, name)):
        problems.append("test_package/%s is missing" % name)
try:
    with open(os.path.join(test_dir, "CMakeLists.txt"), encoding="utf-8") as f:
        cmake = f.read()
    if "berth::berth" not in cmake or "find_package(berth" not in cmake:
        problems.append("test_package/CMakeLists.txt does not find_package(berth) and link berth::berth")
except OSError:
    pass

if problems:
    print("conan recipe problems:\n  " + "\n  ".join(problems))
    sys.exit(1)
print("conan recipe: header-library berth, package id without settings, target berth::berth")
